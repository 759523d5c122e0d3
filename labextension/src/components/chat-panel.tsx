import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { ISource } from '../api/types';
import { IHtmlSanitizer } from '../chat/markdown';
import { ChatModel } from '../models/chat-model';
import { Composer } from './composer';
import { ConversationList } from './conversation-list';
import { MessageList } from './message-list';
import { NewConversationForm } from './new-conversation-form';
import { useSignal } from './use-signal';

const PANEL_CLASS = 'jp-LearnFlow-chat';

/** The Chat side panel: conversations, one conversation's history, composer. */
export function ChatPanel(props: ChatPanel.IProps): JSX.Element {
  const { model, trans } = props;
  useSignal(model.changed);
  const [creating, setCreating] = useState(false);
  const user = model.client.user;
  const active = model.conversations.find(c => c.id === model.activeId);
  const history = model.activeId ? model.history(model.activeId) : undefined;

  const statusText: Record<string, string> = {
    open: trans.__('Connected'),
    connecting: trans.__('Connecting…'),
    reconnecting: trans.__('Reconnecting…'),
    closed: trans.__('Offline'),
    unauthorized: trans.__('Signed out')
  };

  if (!user) {
    return (
      <div className={PANEL_CLASS} data-testid="learnflow-chat-panel">
        <p className="jp-LearnFlow-muted">
          {trans.__('Sign in from the Course panel to chat.')}
        </p>
      </div>
    );
  }

  return (
    <div className={PANEL_CLASS} data-testid="learnflow-chat-panel">
      <header className={`${PANEL_CLASS}-header`}>
        {active ? (
          <button
            type="button"
            className="jp-mod-styled"
            data-testid="learnflow-chat-back"
            aria-label={trans.__('Back to conversations')}
            onClick={() => void model.select(null)}
          >
            ←
          </button>
        ) : (
          <button
            type="button"
            className="jp-mod-styled"
            data-testid="learnflow-new-conversation-open"
            onClick={() => setCreating(!creating)}
          >
            {trans.__('New conversation')}
          </button>
        )}
        <h3 className={`${PANEL_CLASS}-title`}>
          {active ? active.title : trans.__('Conversations')}
        </h3>
        <span
          className={`${PANEL_CLASS}-status jp-mod-${model.status}`}
          data-testid="learnflow-chat-status"
          role="status"
        >
          {statusText[model.status]}
        </span>
      </header>
      {model.error && (
        <p
          className="jp-LearnFlow-error"
          role="alert"
          data-testid="learnflow-chat-error"
        >
          {model.error}
        </p>
      )}
      {!active && creating && (
        <NewConversationForm
          trans={trans}
          onCancel={() => setCreating(false)}
          onCreate={async (title, members, tutor) => {
            const done = await model.create(title, members, tutor);
            setCreating(!done);
            return done;
          }}
        />
      )}
      {!active && (
        <ConversationList
          conversations={model.conversations}
          activeId={model.activeId}
          onSelect={id => void model.select(id)}
          trans={trans}
        />
      )}
      {active && history && (
        <MessageList
          history={history}
          userId={user.id}
          sanitizer={props.sanitizer}
          onLoadOlder={() => void model.loadOlder(active.id)}
          onInsertCode={props.onInsertCode}
          onOpenSource={props.onOpenSource}
          trans={trans}
        />
      )}
      {active && <Composer onSend={text => model.send(text)} trans={trans} />}
    </div>
  );
}

export namespace ChatPanel {
  export interface IProps {
    model: ChatModel;
    sanitizer?: IHtmlSanitizer;
    onInsertCode: (code: string) => void;
    onOpenSource: (source: ISource) => void;
    trans: TranslationBundle;
  }
}

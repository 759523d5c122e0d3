import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IConversation } from '../api/types';

const LIST_CLASS = 'jp-LearnFlow-conversations';

/** The caller's conversations, latest activity first, with unread counts. */
export function ConversationList(props: ConversationList.IProps): JSX.Element {
  const { conversations, activeId, trans } = props;

  if (conversations.length === 0) {
    return (
      <p className="jp-LearnFlow-muted">{trans.__('No conversations yet.')}</p>
    );
  }
  return (
    <ul className={LIST_CLASS} aria-label={trans.__('Conversations')}>
      {conversations.map(conversation => (
        <li key={conversation.id}>
          <button
            type="button"
            className={`${LIST_CLASS}-item ${conversation.id === activeId ? 'jp-mod-active' : ''}`}
            data-testid="learnflow-conversation"
            data-conversation-id={conversation.id}
            aria-current={conversation.id === activeId}
            onClick={() => props.onSelect(conversation.id)}
          >
            <span className={`${LIST_CLASS}-title`}>{conversation.title}</span>
            {conversation.unread > 0 && (
              <span
                className="jp-LearnFlow-badge"
                data-testid="learnflow-conversation-unread"
                aria-label={trans._n(
                  '%1 unread message',
                  '%1 unread messages',
                  conversation.unread
                )}
              >
                {conversation.unread}
              </span>
            )}
            {conversation.last_message && (
              <span className={`${LIST_CLASS}-preview`}>
                {conversation.last_message.sender_name}:{' '}
                {conversation.last_message.message.slice(0, 80)}
              </span>
            )}
          </button>
        </li>
      ))}
    </ul>
  );
}

export namespace ConversationList {
  export interface IProps {
    conversations: IConversation[];
    activeId: string | null;
    onSelect: (conversationId: string) => void;
    trans: TranslationBundle;
  }
}

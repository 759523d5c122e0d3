import { TranslationBundle } from '@jupyterlab/translation';
import React, { useLayoutEffect, useRef } from 'react';

import { ISource } from '../api/types';
import { IHtmlSanitizer } from '../chat/markdown';
import { IHistory } from '../models/chat-model';
import { MessageItem } from './message-item';

const LIST_CLASS = 'jp-LearnFlow-messages';
/** How close to the top, in pixels, scrolling starts loading older pages. */
const LOAD_THRESHOLD_PX = 48;

/**
 * A conversation's history, newest at the bottom; scrolling to the top
 * loads older messages while keeping the view where it was.
 */
export function MessageList(props: MessageList.IProps): JSX.Element {
  const { history, trans } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const anchor = useRef<{ first?: string; height: number; atBottom: boolean }>({
    height: 0,
    atBottom: true
  });
  const first = history.messages[0]?.id;

  useLayoutEffect(() => {
    const node = scroller.current;
    if (!node) {
      return;
    }
    const previous = anchor.current;
    if (previous.first !== undefined && previous.first !== first) {
      // Older messages went in above: keep the same message in view.
      node.scrollTop += node.scrollHeight - previous.height;
    } else if (previous.atBottom) {
      node.scrollTop = node.scrollHeight;
    }
    anchor.current = {
      first,
      height: node.scrollHeight,
      atBottom: isAtBottom(node)
    };
  }, [history.messages]);

  const onScroll = () => {
    const node = scroller.current!;
    anchor.current = {
      first,
      height: node.scrollHeight,
      atBottom: isAtBottom(node)
    };
    if (
      node.scrollTop < LOAD_THRESHOLD_PX &&
      history.hasMore &&
      !history.loading
    ) {
      props.onLoadOlder();
    }
  };

  return (
    <div
      ref={scroller}
      className={`${LIST_CLASS}-scroller`}
      onScroll={onScroll}
      data-testid="learnflow-message-list"
    >
      {history.hasMore && (
        <button
          type="button"
          className="jp-mod-styled jp-LearnFlow-link"
          data-testid="learnflow-load-older"
          disabled={history.loading}
          onClick={props.onLoadOlder}
        >
          {history.loading
            ? trans.__('Loading…')
            : trans.__('Load older messages')}
        </button>
      )}
      <ol
        className={LIST_CLASS}
        aria-label={trans.__('Messages')}
        aria-live="polite"
      >
        {history.messages.map(message => (
          <MessageItem
            key={message.id}
            message={message}
            own={message.sender_id === props.userId}
            sanitizer={props.sanitizer}
            onInsertCode={props.onInsertCode}
            onOpenSource={props.onOpenSource}
            trans={trans}
          />
        ))}
      </ol>
    </div>
  );
}

function isAtBottom(node: HTMLElement): boolean {
  return node.scrollHeight - node.scrollTop - node.clientHeight < 8;
}

export namespace MessageList {
  export interface IProps {
    history: IHistory;
    userId: string | undefined;
    sanitizer?: IHtmlSanitizer;
    onLoadOlder: () => void;
    onInsertCode: (code: string) => void;
    onOpenSource: (source: ISource) => void;
    trans: TranslationBundle;
  }
}

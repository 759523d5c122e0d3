import { TranslationBundle } from '@jupyterlab/translation';
import React, { useEffect, useMemo, useRef } from 'react';

import { IChatMessage, ISource } from '../api/types';
import { IHtmlSanitizer, renderMarkdown } from '../chat/markdown';

const MESSAGE_CLASS = 'jp-LearnFlow-message';
const INSERT_CLASS = 'jp-LearnFlow-insertCode';

/** Whether a message came from the tutor rather than a person. */
export function isTutorMessage(message: IChatMessage): boolean {
  return message.sender_id === null || message.sender_id === 'tutor';
}

/**
 * One chat message: its sender, its Markdown rendered without raw HTML, an
 * "Insert into notebook" button under each code block, and the tutor's
 * sources as links that open the lesson or exercise.
 */
export function MessageItem(props: MessageItem.IProps): JSX.Element {
  const { message, own, trans } = props;
  const body = useRef<HTMLDivElement>(null);
  const html = useMemo(
    () => renderMarkdown(message.message, props.sanitizer),
    [message.message, props.sanitizer]
  );
  const tutor = isTutorMessage(message);

  useEffect(() => {
    const root = body.current;
    if (!root) {
      return;
    }
    root.querySelectorAll('pre').forEach(pre => {
      const code =
        pre.querySelector('code')?.textContent ?? pre.textContent ?? '';
      const button = document.createElement('button');
      button.type = 'button';
      button.className = `${INSERT_CLASS} jp-mod-styled`;
      button.dataset.testid = 'learnflow-insert-code';
      button.textContent = trans.__('Insert into notebook');
      button.addEventListener('click', () => props.onInsertCode(code));
      pre.after(button);
    });
  }, [html]);

  return (
    <li
      className={`${MESSAGE_CLASS} ${own ? 'jp-mod-own' : ''} ${tutor ? 'jp-mod-tutor' : ''}`}
      data-testid="learnflow-message"
      data-message-id={message.id}
    >
      <div className={`${MESSAGE_CLASS}-meta`}>
        <span className={`${MESSAGE_CLASS}-sender`}>
          {tutor
            ? message.sender_name || trans.__('Tutor')
            : message.sender_name}
        </span>{' '}
        <time dateTime={message.timestamp}>
          {new Date(message.timestamp).toLocaleString()}
        </time>
      </div>
      {/* renderMarkdown escapes the author's HTML; the sanitizer guards again. */}
      <div
        ref={body}
        className={`${MESSAGE_CLASS}-body jp-RenderedHTMLCommon`}
        dangerouslySetInnerHTML={{ __html: html }}
      />
      {message.sources.length > 0 && (
        <ul
          className={`${MESSAGE_CLASS}-sources`}
          aria-label={trans.__('Sources')}
        >
          {message.sources.map(source => (
            <li key={`${source.kind}-${source.id}`}>
              <a
                href={source.url}
                data-testid="learnflow-message-source"
                onClick={event => {
                  event.preventDefault();
                  props.onOpenSource(source);
                }}
              >
                {source.kind === 'lesson'
                  ? trans.__('Lesson: %1', source.title)
                  : trans.__('Exercise: %1', source.title)}
              </a>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

export namespace MessageItem {
  export interface IProps {
    message: IChatMessage;
    /** Whether the signed-in user sent it. */
    own: boolean;
    sanitizer?: IHtmlSanitizer;
    onInsertCode: (code: string) => void;
    onOpenSource: (source: ISource) => void;
    trans: TranslationBundle;
  }
}

import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

const COMPOSER_CLASS = 'jp-LearnFlow-composer';

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer(props: Composer.IProps): JSX.Element {
  const { trans } = props;
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);

  const send = async () => {
    if (!text.trim() || sending) {
      return;
    }
    setSending(true);
    const sent = await props.onSend(text);
    setSending(false);
    if (sent) {
      setText('');
    }
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLTextAreaElement>) => {
    if (
      event.key === 'Enter' &&
      !event.shiftKey &&
      !event.nativeEvent.isComposing
    ) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form
      className={COMPOSER_CLASS}
      onSubmit={event => {
        event.preventDefault();
        void send();
      }}
    >
      <textarea
        className={`${COMPOSER_CLASS}-input`}
        data-testid="learnflow-composer"
        aria-label={trans.__('Message')}
        placeholder={trans.__('Write a message; Shift+Enter for a new line')}
        rows={3}
        value={text}
        onChange={event => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        data-testid="learnflow-composer-send"
        disabled={sending || !text.trim()}
      >
        {trans.__('Send')}
      </button>
    </form>
  );
}

export namespace Composer {
  export interface IProps {
    /** Send the text; resolves to whether it was sent, to clear the box. */
    onSend: (text: string) => Promise<boolean>;
    trans: TranslationBundle;
  }
}

import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

const FORM_CLASS = 'jp-LearnFlow-newConversation';

/** Start a conversation with people (by email or id) and maybe the tutor. */
export function NewConversationForm(
  props: NewConversationForm.IProps
): JSX.Element {
  const { trans } = props;
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState('');
  const [tutor, setTutor] = useState(true);

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    const names = members
      .split(/[,\s]+/)
      .map(name => name.trim())
      .filter(Boolean);
    if (await props.onCreate(title.trim(), names, tutor)) {
      setTitle('');
      setMembers('');
    }
  };

  return (
    <form
      className={FORM_CLASS}
      data-testid="learnflow-new-conversation"
      aria-label={trans.__('New conversation')}
      onSubmit={submit}
    >
      <label className="jp-LearnFlow-field">
        {trans.__('Title')}
        <input
          data-testid="learnflow-new-conversation-title"
          value={title}
          required
          onChange={event => setTitle(event.target.value)}
        />
      </label>
      <label className="jp-LearnFlow-field">
        {trans.__('Members (emails, comma separated)')}
        <input
          data-testid="learnflow-new-conversation-members"
          value={members}
          onChange={event => setMembers(event.target.value)}
        />
      </label>
      <label className="jp-LearnFlow-checkbox">
        <input
          type="checkbox"
          data-testid="learnflow-new-conversation-tutor"
          checked={tutor}
          onChange={event => setTutor(event.target.checked)}
        />
        {trans.__('Ask the tutor')}
      </label>
      <div className="jp-LearnFlow-row">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept"
          data-testid="learnflow-new-conversation-submit"
          disabled={!title.trim()}
        >
          {trans.__('Start')}
        </button>
        <button
          type="button"
          className="jp-mod-styled"
          onClick={props.onCancel}
        >
          {trans.__('Cancel')}
        </button>
      </div>
    </form>
  );
}

export namespace NewConversationForm {
  export interface IProps {
    onCreate: (
      title: string,
      members: string[],
      tutor: boolean
    ) => Promise<boolean>;
    onCancel: () => void;
    trans: TranslationBundle;
  }
}

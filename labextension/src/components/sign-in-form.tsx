import { TranslationBundle } from '@jupyterlab/translation';
import React, { useState } from 'react';

import { LearnFlowClient } from '../api/client';
import { messageOf } from '../api/errors';

const FORM_CLASS = 'jp-LearnFlow-signIn';
const FIELD_CLASS = 'jp-LearnFlow-field';
const ERROR_CLASS = 'jp-LearnFlow-error';

/**
 * The sign-in and registration forms, shown when Jupyter could not sign the
 * student in by itself.
 */
export function SignInForm(props: SignInForm.IProps): JSX.Element {
  const { client, trans } = props;
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const registering = mode === 'register';

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (registering) {
        await client.register({ email, password, name });
      } else {
        await client.login(email, password);
      }
    } catch (reason) {
      setError(messageOf(reason));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className={FORM_CLASS}
      data-testid="learnflow-signin-form"
      aria-label={
        registering ? trans.__('Create an account') : trans.__('Sign in')
      }
      onSubmit={submit}
    >
      <h3>
        {registering
          ? trans.__('Create an account')
          : trans.__('Sign in to LearnFlow')}
      </h3>
      {registering && (
        <label className={FIELD_CLASS}>
          {trans.__('Name')}
          <input
            data-testid="learnflow-signin-name"
            value={name}
            required
            autoComplete="name"
            onChange={e => setName(e.target.value)}
          />
        </label>
      )}
      <label className={FIELD_CLASS}>
        {trans.__('Email')}
        <input
          data-testid="learnflow-signin-email"
          type="email"
          value={email}
          required
          autoComplete="email"
          onChange={e => setEmail(e.target.value)}
        />
      </label>
      <label className={FIELD_CLASS}>
        {trans.__('Password')}
        <input
          data-testid="learnflow-signin-password"
          type="password"
          value={password}
          required
          autoComplete={registering ? 'new-password' : 'current-password'}
          onChange={e => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p
          className={ERROR_CLASS}
          role="alert"
          data-testid="learnflow-signin-error"
        >
          {error}
        </p>
      )}
      <button
        type="submit"
        className="jp-mod-styled jp-mod-accept"
        data-testid="learnflow-signin-submit"
        disabled={busy}
      >
        {registering ? trans.__('Create account') : trans.__('Sign in')}
      </button>
      <button
        type="button"
        className="jp-mod-styled jp-LearnFlow-link"
        data-testid="learnflow-signin-toggle"
        onClick={() => {
          setMode(registering ? 'login' : 'register');
          setError(null);
        }}
      >
        {registering
          ? trans.__('I already have an account')
          : trans.__('Create an account')}
      </button>
    </form>
  );
}

export namespace SignInForm {
  export interface IProps {
    client: LearnFlowClient;
    trans: TranslationBundle;
  }
}

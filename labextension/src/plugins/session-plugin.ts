import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';

import { LearnFlowClient } from '../api/client';
import { isSameOrigin, resolveApiUrl } from '../api/urls';
import { xsrfHeaders } from '../api/xsrf';
import { CommandIDs } from '../commands';
import { ILearnFlowClient } from '../tokens';

/** The id the settings schema (`schema/plugin.json`) belongs to. */
export const SETTINGS_ID = '@learnflow/labextension:plugin';

/**
 * Connects to the LearnFlow API: resumes the stored session, or signs in as
 * the Jupyter user when the API is this server; adds "Sign out".
 */
export const sessionPlugin: JupyterFrontEndPlugin<LearnFlowClient> = {
  id: SETTINGS_ID,
  description: 'The LearnFlow API client and the signed-in session.',
  autoStart: true,
  provides: ILearnFlowClient,
  requires: [ITranslator],
  optional: [ISettingRegistry, ICommandPalette],
  activate: async (
    app: JupyterFrontEnd,
    translator: ITranslator,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null
  ): Promise<LearnFlowClient> => {
    const trans = translator.load('learnflow');
    const settings = settingRegistry
      ? await settingRegistry.load(SETTINGS_ID).catch(() => null)
      : null;
    const setting = (settings?.composite.apiUrl as string | undefined) ?? '';
    const autoSignIn = (settings?.composite.jupyterSignIn as boolean) ?? true;
    // The server names the API it uses (PageConfig) when it serves none itself.
    const apiUrl = resolveApiUrl(
      setting,
      PageConfig.getBaseUrl(),
      PageConfig.getOption('learnflowApiUrl')
    );
    const viaHub =
      !setting.trim() && PageConfig.getOption('learnflowSignIn') === 'hub';
    const serverSettings = ServerConnection.makeSettings();
    const sameOrigin = isSameOrigin(apiUrl, window.location.href);

    const hubUser = viaHub ? PageConfig.getOption('hubUser') : '';
    const client = new LearnFlowClient({
      apiUrl,
      tokenKey: hubUser ? `${apiUrl}#${hubUser}` : undefined,
      extraHeaders: sameOrigin ? () => xsrfHeaders(document.cookie) : undefined,
      // Jupyter's own credentials go only to this server's API, never to a hub service.
      jupyterRequest:
        sameOrigin && autoSignIn && !viaHub
          ? (url, init) =>
              ServerConnection.makeRequest(url, init, serverSettings)
          : undefined
    });

    settings?.changed.connect(() => {
      if (settings.composite.apiUrl !== setting) {
        Notification.info(
          trans.__('Reload the page to connect LearnFlow to the new API URL.')
        );
      }
    });

    app.commands.addCommand(CommandIDs.signOut, {
      label: trans.__('Sign out of LearnFlow'),
      caption: trans.__('End the LearnFlow session and forget its token'),
      isEnabled: () => client.user !== null,
      execute: async () => {
        try {
          await client.logout();
        } catch (error) {
          // The token is forgotten either way; the server may be down.
          console.warn('LearnFlow sign-out failed on the server', error);
        }
      }
    });
    palette?.addItem({ command: CommandIDs.signOut, category: 'LearnFlow' });

    void startSession(client, autoSignIn && viaHub, hubUser);
    return client;
  }
};

/**
 * Resume the stored session, else sign in as the person JupyterHub or Jupyter
 * signed in; the form is the last resort.
 */
async function startSession(
  client: LearnFlowClient,
  viaHub: boolean,
  hubUser: string
): Promise<void> {
  try {
    if ((await client.restore()) === null) {
      await (viaHub
        ? client.signInWithHub(hubUser)
        : client.signInWithJupyter());
    }
  } catch (error) {
    console.warn('LearnFlow could not sign in by itself', error);
  }
}

import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  ISanitizer,
  Notification
} from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator } from '@jupyterlab/translation';

import { LearnFlowClient } from '../api/client';
import { ISource } from '../api/types';
import { chatSocketUrl } from '../api/urls';
import { ChatSocket } from '../chat/chat-socket';
import { CommandIDs } from '../commands';
import { chatIcon } from '../icons';
import { ChatModel } from '../models/chat-model';
import { CourseModel } from '../models/course-model';
import { insertCodeBelow } from '../notebook/insert-code';
import { ILearnFlowClient, ILearnFlowCourse } from '../tokens';
import { ChatWidget } from '../widgets/chat-widget';
import { SETTINGS_ID } from './session-plugin';

/** The Chat side panel, kept live by the chat WebSocket. */
export const chatPlugin: JupyterFrontEndPlugin<void> = {
  id: '@learnflow/labextension:chat',
  description: 'The LearnFlow Chat panel: conversations and the tutor.',
  autoStart: true,
  requires: [ILearnFlowClient, ITranslator],
  optional: [
    ISanitizer,
    INotebookTracker,
    ILearnFlowCourse,
    ISettingRegistry,
    ICommandPalette,
    ILayoutRestorer
  ],
  activate: async (
    app: JupyterFrontEnd,
    client: LearnFlowClient,
    translator: ITranslator,
    sanitizer: ISanitizer | null,
    tracker: INotebookTracker | null,
    course: CourseModel | null,
    settingRegistry: ISettingRegistry | null,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null
  ) => {
    const trans = translator.load('learnflow');
    const settings = settingRegistry
      ? await settingRegistry.load(SETTINGS_ID).catch(() => null)
      : null;
    const maxDelayS =
      (settings?.composite.chatReconnectMaxDelayS as number) ?? 30;
    const pageSize = (settings?.composite.chatPageSize as number) ?? 50;
    const url = chatSocketUrl(client.apiUrl, window.location.href);

    const model = new ChatModel({
      client,
      pageSize,
      socketFactory: token =>
        new ChatSocket({ url, token, maxDelayMs: maxDelayS * 1000 })
    });

    const insertCode = (code: string) => {
      const notebook = tracker?.currentWidget?.content;
      if (!notebook) {
        Notification.warning(
          trans.__('Open a notebook to insert the code into.')
        );
        return;
      }
      insertCodeBelow(notebook, code);
    };
    const openSource = (source: ISource) => {
      if (!course) {
        return;
      }
      if (source.kind === 'lesson') {
        void course.openLesson(source.module_id, source.id);
      } else if (source.kind === 'exercise') {
        void course.openExercise(source.id, source.module_id || undefined);
      }
    };

    const widget = new ChatWidget({
      model,
      sanitizer: sanitizer ?? undefined,
      onInsertCode: insertCode,
      onOpenSource: openSource,
      trans
    });
    widget.title.icon = chatIcon;
    app.shell.add(widget, 'right', { rank: 150 });
    restorer?.add(widget, widget.id);

    app.commands.addCommand(CommandIDs.openChat, {
      label: trans.__('Open Chat'),
      icon: chatIcon,
      execute: () => app.shell.activateById(widget.id)
    });
    palette?.addItem({ command: CommandIDs.openChat, category: 'LearnFlow' });
  }
};

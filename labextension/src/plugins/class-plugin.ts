import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { ITranslator } from '@jupyterlab/translation';

import { LearnFlowClient } from '../api/client';
import { CourseApi } from '../api/course-api';
import { CommandIDs } from '../commands';
import { classIcon } from '../icons';
import { ILearnFlowClient } from '../tokens';
import { ClassWidget } from '../widgets/class-widget';

/** The teacher's Class view, in the main area. */
export const classPlugin: JupyterFrontEndPlugin<void> = {
  id: '@learnflow/labextension:class',
  description: "The LearnFlow Class view: the class's mastery and pass rates.",
  autoStart: true,
  requires: [ILearnFlowClient, ITranslator],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    client: LearnFlowClient,
    translator: ITranslator,
    palette: ICommandPalette | null
  ) => {
    const trans = translator.load('learnflow');
    const api = new CourseApi(client);
    let view: MainAreaWidget<ClassWidget> | null = null;
    const isTeacher = () => client.user?.role === 'teacher';

    app.commands.addCommand(CommandIDs.openClass, {
      label: trans.__('Open Class View'),
      caption: trans.__("See the class's mastery per topic and pass rates"),
      icon: classIcon,
      isEnabled: isTeacher,
      execute: () => {
        if (!view || view.isDisposed) {
          view = new MainAreaWidget({
            content: new ClassWidget({ api, trans })
          });
          view.id = 'learnflow-class';
          view.title.label = trans.__('Class');
          view.title.icon = classIcon;
          view.title.closable = true;
          app.shell.add(view, 'main');
        }
        app.shell.activateById(view.id);
      }
    });
    client.userChanged.connect(() => {
      if (!isTeacher()) {
        view?.dispose();
      }
    });
    palette?.addItem({ command: CommandIDs.openClass, category: 'LearnFlow' });
  }
};

import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { chatPlugin } from './plugins/chat-plugin';
import { classPlugin } from './plugins/class-plugin';
import { coursePlugin } from './plugins/course-plugin';
import { sessionPlugin } from './plugins/session-plugin';

const plugins: JupyterFrontEndPlugin<any>[] = [
  sessionPlugin,
  coursePlugin,
  chatPlugin,
  classPlugin
];

export default plugins;

import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { ISignal } from '@lumino/signaling';
import React from 'react';

import { CoursePanel } from '../components/course-panel';
import { CourseModel } from '../models/course-model';

const WIDGET_CLASS = 'jp-LearnFlow-courseWidget';

/** The left side panel that holds the course. */
export class CourseWidget extends ReactWidget {
  constructor(options: CourseWidget.IOptions) {
    super();
    this._options = options;
    this.id = 'learnflow-course';
    this.addClass(WIDGET_CLASS);
    this.title.caption = options.trans.__('Course');
    this.title.label = options.trans.__('Course');
  }

  protected render(): JSX.Element {
    return <CoursePanel {...this._options} />;
  }

  private _options: CourseWidget.IOptions;
}

export namespace CourseWidget {
  export interface IOptions {
    model: CourseModel;
    commands: CommandRegistry;
    currentNotebookChanged: ISignal<unknown, unknown>;
    trans: TranslationBundle;
  }
}

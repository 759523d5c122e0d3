import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React from 'react';

import { ISource } from '../api/types';
import { IHtmlSanitizer } from '../chat/markdown';
import { ChatPanel } from '../components/chat-panel';
import { ChatModel } from '../models/chat-model';

const WIDGET_CLASS = 'jp-LearnFlow-chatWidget';

/** The right side panel that holds the chat. */
export class ChatWidget extends ReactWidget {
  constructor(options: ChatWidget.IOptions) {
    super();
    this._options = options;
    this.id = 'learnflow-chat';
    this.addClass(WIDGET_CLASS);
    this.title.caption = options.trans.__('Chat');
    this.title.label = options.trans.__('Chat');
  }

  protected render(): JSX.Element {
    return <ChatPanel {...this._options} />;
  }

  dispose(): void {
    this._options.model.dispose();
    super.dispose();
  }

  private _options: ChatWidget.IOptions;
}

export namespace ChatWidget {
  export interface IOptions {
    model: ChatModel;
    sanitizer?: IHtmlSanitizer;
    onInsertCode: (code: string) => void;
    onOpenSource: (source: ISource) => void;
    trans: TranslationBundle;
  }
}

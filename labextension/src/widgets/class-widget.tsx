import { TranslationBundle } from '@jupyterlab/translation';
import { ReactWidget } from '@jupyterlab/ui-components';
import React, { useEffect, useState } from 'react';

import { CourseApi } from '../api/course-api';
import { messageOf } from '../api/errors';
import { IClassProgress } from '../api/types';
import { ClassHeatmap } from '../components/class-heatmap';
import { ExercisePassRates } from '../components/exercise-pass-rates';

const WIDGET_CLASS = 'jp-LearnFlow-class';

function ClassView(props: ClassWidget.IOptions): JSX.Element {
  const { api, trans } = props;
  const [progress, setProgress] = useState<IClassProgress | null>(null);
  const [topics, setTopics] = useState<string[] | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const load = async () => {
    setLoading(true);
    setError(null);
    try {
      const [figures, courseTopics] = await Promise.all([
        api.classProgress(),
        api.topics()
      ]);
      setProgress(figures);
      setTopics(courseTopics.map(t => t.topic));
    } catch (reason) {
      setError(messageOf(reason));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void load();
  }, []);

  return (
    <div className={`${WIDGET_CLASS}-view`} aria-busy={loading}>
      <header className={`${WIDGET_CLASS}-header`}>
        <h2>{trans.__('Class progress')}</h2>
        <button
          type="button"
          className="jp-mod-styled"
          data-testid="learnflow-class-refresh"
          disabled={loading}
          onClick={() => void load()}
        >
          {trans.__('Refresh')}
        </button>
      </header>
      {error && (
        <p className="jp-LearnFlow-error" role="alert">
          {error}
        </p>
      )}
      {progress && progress.students.length === 0 && (
        <p className="jp-LearnFlow-muted">{trans.__('No students yet.')}</p>
      )}
      {progress && progress.students.length > 0 && (
        <ClassHeatmap progress={progress} topics={topics} trans={trans} />
      )}
      {progress && (
        <ExercisePassRates exercises={progress.exercises} trans={trans} />
      )}
    </div>
  );
}

/** The teacher's class view: a mastery heatmap and exercise pass rates. */
export class ClassWidget extends ReactWidget {
  constructor(options: ClassWidget.IOptions) {
    super();
    this._options = options;
    this.addClass(WIDGET_CLASS);
  }

  protected render(): JSX.Element {
    return <ClassView {...this._options} />;
  }

  private _options: ClassWidget.IOptions;
}

export namespace ClassWidget {
  export interface IOptions {
    api: CourseApi;
    trans: TranslationBundle;
  }
}

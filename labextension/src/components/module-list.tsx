import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { CourseModel } from '../models/course-model';
import { ProgressBar } from './progress-bar';

const LIST_CLASS = 'jp-LearnFlow-moduleList';
const ITEM_CLASS = 'jp-LearnFlow-module';

/** The modules in course order, with progress, mastery and lessons. */
export function ModuleList(props: ModuleList.IProps): JSX.Element {
  const { model, trans } = props;
  const signedIn = model.client.user !== null;

  return (
    <ol className={LIST_CLASS} aria-label={trans.__('Modules')}>
      {model.modules.map(module => {
        const progress = model.progressOf(module.id);
        return (
          <li
            key={module.id}
            className={ITEM_CLASS}
            data-testid="learnflow-module"
            data-module-id={module.id}
          >
            <details open={module.order === model.modules[0]?.order}>
              <summary>
                <span className={`${ITEM_CLASS}-title`}>{module.title}</span>
                {progress?.completed && (
                  <span className="jp-LearnFlow-badge">{trans.__('done')}</span>
                )}
              </summary>
              {signedIn && (
                <div className={`${ITEM_CLASS}-figures`}>
                  <ProgressBar
                    value={progress?.progress ?? 0}
                    label={trans.__('Progress of %1', module.title)}
                  />
                  <span>
                    {trans.__(
                      'Mastery %1%',
                      Math.round((progress?.mastery ?? 0) * 100)
                    )}
                  </span>
                </div>
              )}
              <p className={`${ITEM_CLASS}-description`}>
                {module.description}
              </p>
              <ul className="jp-LearnFlow-lessons">
                {[...module.lessons]
                  .sort((a, b) => a.order - b.order)
                  .map(lesson => (
                    <li key={lesson.id}>
                      <button
                        type="button"
                        className="jp-LearnFlow-itemButton"
                        data-testid="learnflow-open-lesson"
                        data-lesson-id={lesson.id}
                        aria-label={trans.__('Open lesson %1', lesson.title)}
                        onClick={() =>
                          void model.openLesson(module.id, lesson.id)
                        }
                      >
                        {lesson.title}
                      </button>
                      {signedIn && (
                        <button
                          type="button"
                          className="jp-LearnFlow-smallButton"
                          data-testid="learnflow-complete-lesson"
                          data-lesson-id={lesson.id}
                          aria-label={trans.__(
                            'Complete lesson %1',
                            lesson.title
                          )}
                          title={trans.__('Complete lesson')}
                          onClick={() => void model.completeLesson(lesson.id)}
                        >
                          ✓
                        </button>
                      )}
                    </li>
                  ))}
              </ul>
            </details>
          </li>
        );
      })}
    </ol>
  );
}

export namespace ModuleList {
  export interface IProps {
    model: CourseModel;
    trans: TranslationBundle;
  }
}

import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { Difficulty, IExercise } from '../api/types';
import { CourseModel } from '../models/course-model';

const LIST_CLASS = 'jp-LearnFlow-topicList';
const DIFFICULTIES: Difficulty[] = ['easy', 'medium', 'hard'];

/** The exercises by topic and difficulty; a topic loads when opened. */
export function ExerciseList(props: ExerciseList.IProps): JSX.Element {
  const { model, trans } = props;
  const names: Record<Difficulty, string> = {
    easy: trans.__('Easy'),
    medium: trans.__('Medium'),
    hard: trans.__('Hard')
  };

  const group = (exercises: IExercise[], difficulty: Difficulty) =>
    exercises.filter(exercise => exercise.difficulty === difficulty);

  return (
    <ul className={LIST_CLASS} aria-label={trans.__('Exercises by topic')}>
      {model.topics.map(topic => {
        const exercises = model.exercisesOf(topic.topic);
        const total = DIFFICULTIES.reduce((n, d) => n + topic.exercises[d], 0);
        return (
          <li
            key={topic.topic}
            data-testid="learnflow-topic"
            data-topic={topic.topic}
          >
            <details
              onToggle={event => {
                if ((event.target as HTMLDetailsElement).open && !exercises) {
                  void model.loadExercises(topic.topic);
                }
              }}
            >
              <summary>
                {topic.topic}{' '}
                <span className="jp-LearnFlow-muted">
                  {trans._n('%1 exercise', '%1 exercises', total)}
                  {topic.mastery &&
                    ' · ' +
                      trans.__(
                        'mastery %1%',
                        Math.round(topic.mastery.p_known * 100)
                      )}
                </span>
              </summary>
              {!exercises && (
                <p className="jp-LearnFlow-muted">{trans.__('Loading…')}</p>
              )}
              {exercises &&
                DIFFICULTIES.filter(d => group(exercises, d).length > 0).map(
                  d => (
                    <div key={d} className="jp-LearnFlow-difficulty">
                      <h4>{names[d]}</h4>
                      <ul>
                        {group(exercises, d).map(exercise => (
                          <li key={exercise.id}>
                            <button
                              type="button"
                              className="jp-LearnFlow-itemButton"
                              data-testid="learnflow-open-exercise"
                              data-exercise-id={exercise.id}
                              title={exercise.description}
                              aria-label={trans.__(
                                'Open exercise %1',
                                exercise.title
                              )}
                              onClick={() =>
                                void model.openExercise(exercise.id)
                              }
                            >
                              {exercise.title}
                            </button>
                          </li>
                        ))}
                      </ul>
                    </div>
                  )
                )}
            </details>
          </li>
        );
      })}
    </ul>
  );
}

export namespace ExerciseList {
  export interface IProps {
    model: CourseModel;
    trans: TranslationBundle;
  }
}

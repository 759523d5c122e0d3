import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IExerciseResults } from '../api/types';

const TABLE_CLASS = 'jp-LearnFlow-passRates';

/** Each exercise's attempts and the share of students who passed it. */
export function ExercisePassRates(
  props: ExercisePassRates.IProps
): JSX.Element {
  const { exercises, trans } = props;
  return (
    <table className={TABLE_CLASS} data-testid="learnflow-pass-rates">
      <caption>{trans.__('Exercises')}</caption>
      <thead>
        <tr>
          <th scope="col">{trans.__('Exercise')}</th>
          <th scope="col">{trans.__('Topic')}</th>
          <th scope="col">{trans.__('Difficulty')}</th>
          <th scope="col">{trans.__('Attempts')}</th>
          <th scope="col">{trans.__('Passed')}</th>
          <th scope="col">{trans.__('Pass rate')}</th>
        </tr>
      </thead>
      <tbody>
        {exercises.map(exercise => (
          <tr
            key={exercise.exercise_id}
            data-testid="learnflow-pass-rate"
            data-exercise-id={exercise.exercise_id}
          >
            <th scope="row">{exercise.title}</th>
            <td>{exercise.topic}</td>
            <td>{exercise.difficulty}</td>
            <td>{exercise.attempts}</td>
            <td>
              {exercise.students_passed} / {exercise.students}
            </td>
            <td>
              {exercise.pass_rate === null
                ? trans.__('no attempts')
                : `${Math.round(exercise.pass_rate * 100)}%`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export namespace ExercisePassRates {
  export interface IProps {
    exercises: IExerciseResults[];
    trans: TranslationBundle;
  }
}

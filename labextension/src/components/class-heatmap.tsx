import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { IClassProgress } from '../api/types';
import { heatmapColour } from '../class/heatmap-scale';

const HEATMAP_CLASS = 'jp-LearnFlow-heatmap';

/** Every topic that any student has figures for, in first-seen order. */
export function classTopics(progress: IClassProgress): string[] {
  const topics: string[] = [];
  for (const student of progress.students) {
    for (const entry of student.topics) {
      if (!topics.includes(entry.topic)) {
        topics.push(entry.topic);
      }
    }
  }
  return topics;
}

/** Students × topics, each cell coloured by mastery and labelled with it. */
export function ClassHeatmap(props: ClassHeatmap.IProps): JSX.Element {
  const { progress, trans } = props;
  const topics = props.topics ?? classTopics(progress);

  return (
    <table className={HEATMAP_CLASS} data-testid="learnflow-heatmap">
      <caption>{trans.__('Mastery per student and topic')}</caption>
      <thead>
        <tr>
          <th scope="col">{trans.__('Student')}</th>
          {topics.map(topic => (
            <th scope="col" key={topic}>
              {topic}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {progress.students.map(student => (
          <tr key={student.id} data-testid="learnflow-heatmap-row">
            <th scope="row" title={student.email}>
              {student.name}
            </th>
            {topics.map(topic => {
              const entry = student.topics.find(t => t.topic === topic);
              const colour = heatmapColour(entry?.p_known);
              const value =
                colour.percent === null
                  ? trans.__('no data')
                  : `${colour.percent}%`;
              return (
                <td
                  key={topic}
                  className={`${HEATMAP_CLASS}-cell`}
                  data-testid="learnflow-heatmap-cell"
                  data-student-id={student.id}
                  data-topic={topic}
                  style={{ background: colour.background, color: colour.color }}
                  title={trans.__(
                    '%1, %2: mastery %3 after %4 attempts',
                    student.name,
                    topic,
                    value,
                    entry?.attempts ?? 0
                  )}
                >
                  {value}
                  {entry?.mastered && (
                    <span aria-label={trans.__('mastered')}> ★</span>
                  )}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export namespace ClassHeatmap {
  export interface IProps {
    progress: IClassProgress;
    /** Topic columns in course order; those found in the data otherwise. */
    topics?: string[];
    trans: TranslationBundle;
  }
}

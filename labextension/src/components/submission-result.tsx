import { TranslationBundle } from '@jupyterlab/translation';
import React from 'react';

import { ISubmission } from '../api/types';

const RESULT_CLASS = 'jp-LearnFlow-result';

/** The grading of a submission: status, score and each hidden test. */
export function SubmissionResult(props: SubmissionResult.IProps): JSX.Element {
  const { result, trans } = props;
  const passed = result.status === 'passed';

  return (
    <section
      className={`${RESULT_CLASS} ${passed ? 'jp-mod-passed' : 'jp-mod-failed'}`}
      data-testid="learnflow-submission-result"
      data-status={result.status}
      aria-live="polite"
      aria-label={trans.__('Submission result')}
    >
      <h3>
        {passed ? trans.__('Passed') : trans.__('Not passed yet')}{' '}
        <span data-testid="learnflow-submission-score">
          {trans.__('score %1%', Math.round(result.score * 100))}
        </span>
      </h3>
      <p
        className="jp-LearnFlow-muted"
        data-testid="learnflow-submission-status"
      >
        {trans.__('Status: %1', result.status)}
      </p>
      <ul className={`${RESULT_CLASS}-tests`}>
        {result.tests.map((test, index) => (
          <li
            key={`${index}-${test.name}`}
            data-testid="learnflow-test-result"
            data-passed={String(test.passed)}
            className={test.passed ? 'jp-mod-passed' : 'jp-mod-failed'}
          >
            <span aria-hidden="true">{test.passed ? '✔' : '✘'}</span>{' '}
            <span className="jp-LearnFlow-testName">{test.name}</span>{' '}
            <span className="jp-LearnFlow-visuallyHidden">
              {test.passed ? trans.__('passed') : trans.__('failed')}
            </span>
            {test.message && (
              <div className="jp-LearnFlow-testMessage">{test.message}</div>
            )}
          </li>
        ))}
      </ul>
      {result.errors && (
        <pre className={`${RESULT_CLASS}-errors`}>{result.errors}</pre>
      )}
    </section>
  );
}

export namespace SubmissionResult {
  export interface IProps {
    result: ISubmission;
    trans: TranslationBundle;
  }
}

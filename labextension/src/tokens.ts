import { Token } from '@lumino/coreutils';

import { LearnFlowClient } from './api/client';
import { CourseModel } from './models/course-model';

/** The signed-in connection to the LearnFlow server. */
export const ILearnFlowClient = new Token<LearnFlowClient>(
  '@learnflow/labextension:ILearnFlowClient',
  'The LearnFlow API client: requests, the session and the signed-in user.'
);

/** The course as the student sees it: modules, exercises and results. */
export const ILearnFlowCourse = new Token<CourseModel>(
  '@learnflow/labextension:ILearnFlowCourse',
  'The LearnFlow course model, to open lessons and exercises and submit.'
);

/**
 * The shapes of LearnFlow's REST API, as its OpenAPI document describes them.
 */

/** An account, as `GET /auth/me` returns it. */
export interface IUser {
  id: string;
  email: string;
  name: string;
  role: 'student' | 'teacher' | string;
}

/** The answer of `POST /auth/login` and `POST /auth/jupyter`. */
export interface ILogin {
  access_token: string;
  token_type: string;
  user: IUser;
}

export interface ILesson {
  id: string;
  title: string;
  content: string;
  order: number;
}

export interface IModule {
  id: string;
  title: string;
  description: string;
  order: number;
  lessons: ILesson[];
}

/** One module's figures for the caller (`GET /progress/user/{id}`). */
export interface IModuleProgress {
  id: string;
  module_id: string;
  progress: number;
  mastery: number;
  completed: boolean;
}

export type Difficulty = 'easy' | 'medium' | 'hard';

export interface ITopicMastery {
  topic: string;
  p_known: number;
  attempts: number;
  mastered: boolean;
}

export interface ITopic {
  topic: string;
  exercises: Record<Difficulty, number>;
  mastery: ITopicMastery | null;
}

export interface IExercise {
  id: string;
  title: string;
  description: string;
  topic: string;
  difficulty: Difficulty | string;
  content: string;
}

export interface IExerciseDetail extends IExercise {
  module_id: string;
  prompt: string;
  starter_code: string;
}

export interface ITestResult {
  name: string;
  passed: boolean;
  message: string;
}

export interface ISubmission {
  id: string;
  exercise_id: string;
  user_id: string;
  status: string;
  score: number;
  tests: ITestResult[];
  output: string;
  errors: string;
  execution_time: number;
  code: string;
  created_at: string;
  mastery?: ITopicMastery;
}

export interface ILessonCompletion {
  lesson_id: string;
  module_id: string;
  completed_at: string;
}

export interface INextStep {
  kind: 'lesson' | 'exercise' | 'none';
  id: string | null;
  title: string | null;
  module_id: string | null;
  topic: string | null;
  difficulty: Difficulty | null;
  mastery: number | null;
  reason: string;
}

export interface IClassStudent {
  id: string;
  name: string;
  email: string;
  modules: Omit<IModuleProgress, 'id'>[];
  topics: ITopicMastery[];
}

export interface IExerciseResults {
  exercise_id: string;
  title: string;
  module_id: string;
  topic: string;
  difficulty: string;
  attempts: number;
  students: number;
  students_passed: number;
  pass_rate: number | null;
}

export interface IClassProgress {
  students: IClassStudent[];
  exercises: IExerciseResults[];
}

/** What the tutor quoted or suggested in a message. */
export interface ISource {
  kind: 'lesson' | 'exercise' | string;
  id: string;
  title: string;
  module_id: string;
  url: string;
}

export interface IChatMessage {
  id: string;
  conversation_id: string;
  /** The sender's account id; `null` (or `'tutor'`) for the tutor. */
  sender_id: string | null;
  sender_name: string;
  message: string;
  timestamp: string;
  sources: ISource[];
}

export interface IMember {
  id: string;
  name: string;
  role: string;
}

export interface IConversation {
  id: string;
  title: string;
  owner_id: string;
  tutor: boolean;
  members: IMember[];
  created_at: string;
  last_message: IChatMessage | null;
  unread: number;
}

export interface IMessagePage {
  messages: IChatMessage[];
  has_more: boolean;
}

/** A notebook as nbformat 4 JSON, reduced to what LearnFlow reads. */
export interface INotebookJSON {
  cells: Array<{
    cell_type: string;
    source: string | string[];
    metadata?: { learnflow?: { role?: string } } & Record<string, unknown>;
  }>;
  metadata: Record<string, unknown> & { learnflow?: ILearnFlowMetadata };
  nbformat: number;
  nbformat_minor: number;
}

/** The `learnflow` entry of a course notebook's metadata. */
export interface ILearnFlowMetadata {
  kind: 'lesson' | 'exercise';
  id: string;
  module_id?: string;
  [key: string]: unknown;
}

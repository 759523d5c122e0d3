/** The ids of LearnFlow's commands, all in the palette's "LearnFlow" category. */
export namespace CommandIDs {
  export const openCourse = 'learnflow:open-course';
  export const openChat = 'learnflow:open-chat';
  export const openClass = 'learnflow:open-class';
  export const signOut = 'learnflow:sign-out';
  export const submitExercise = 'learnflow:submit-exercise';
  export const completeLesson = 'learnflow:complete-lesson';
  export const refresh = 'learnflow:refresh';
  export const insertCode = 'learnflow:insert-code';
}

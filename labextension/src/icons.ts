import { LabIcon } from '@jupyterlab/ui-components';

/** An open book, for the Course panel. */
export const courseIcon = new LabIcon({
  name: 'learnflow:course',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M12 6.5C10.3 5.3 8 4.8 5 5v13c3-.2 5.3.3 7 1.5 1.7-1.2 4-1.7 7-1.5V5c-3-.2-5.3.3-7 1.5zm-1 10.6c-1.4-.6-3-.9-4.5-.9V7c1.7 0 3.2.4 4.5 1.2v8.9zm6.5-.9c-1.5 0-3.1.3-4.5.9V8.2c1.3-.8 2.8-1.2 4.5-1.2v9.2z"/>' +
    '</svg>'
});

/** Two speech bubbles, for the Chat panel. */
export const chatIcon = new LabIcon({
  name: 'learnflow:chat',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M4 4h12a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2H9l-4 3v-3H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm16 4a2 2 0 0 1 2 2v7a2 2 0 0 1-2 2h-1v3l-4-3h-4a2 2 0 0 1-1.7-1H16a4 4 0 0 0 4-4V8z"/>' +
    '</svg>'
});

/** A grid of cells, for the teacher's class view. */
export const classIcon = new LabIcon({
  name: 'learnflow:class',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">' +
    '<path class="jp-icon3" fill="#616161" d="M3 3h5v5H3zm6.5 0h5v5h-5zM16 3h5v5h-5zM3 9.5h5v5H3zm6.5 0h5v5h-5zM16 9.5h5v5h-5zM3 16h5v5H3zm6.5 0h5v5h-5zM16 16h5v5h-5z"/>' +
    '</svg>'
});

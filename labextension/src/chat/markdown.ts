import MarkdownIt from 'markdown-it';

/** Something that cleans HTML, such as JupyterLab's `ISanitizer`. */
export interface IHtmlSanitizer {
  sanitize(html: string): string;
}

const markdown = new MarkdownIt({
  html: false,
  linkify: true,
  breaks: true
});

const defaultLinkOpen =
  markdown.renderer.rules.link_open ??
  ((tokens, idx, options, env, self) => self.renderToken(tokens, idx, options));

// Links in chat leave JupyterLab for a new tab, without handing it `opener`.
markdown.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx].attrSet('target', '_blank');
  tokens[idx].attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/**
 * Render a chat message's Markdown to HTML that holds no raw HTML of its own.
 *
 * markdown-it with `html: false` escapes every tag the author wrote and
 * refuses `javascript:` links; the sanitizer, when given, is a second guard.
 */
export function renderMarkdown(
  text: string,
  sanitizer?: IHtmlSanitizer
): string {
  const html = markdown.render(text);
  return sanitizer ? sanitizer.sanitize(html) : html;
}

import { renderMarkdown } from '../src/chat/markdown';

describe('renderMarkdown', () => {
  it('escapes an image tag with an event handler', () => {
    const html = renderMarkdown('look <img src=x onerror=alert(1)>');

    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes a script block', () => {
    const html = renderMarkdown('<script>alert(1)</script>');

    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;');
  });

  it('refuses javascript: links', () => {
    const html = renderMarkdown('[click](javascript:alert(1))');

    expect(html).not.toContain('href="javascript:');
  });

  it('renders code blocks and opens links in a new tab safely', () => {
    const html = renderMarkdown(
      '```python\nprint(1)\n```\n\nsee https://x.org'
    );

    expect(html).toContain('<pre><code class="language-python">print(1)');
    expect(html).toContain('target="_blank" rel="noopener noreferrer"');
  });

  it('passes the result through the sanitizer when one is given', () => {
    const sanitizer = { sanitize: jest.fn((html: string) => `[${html}]`) };

    const html = renderMarkdown('*hi*', sanitizer);

    expect(html).toBe('[<p><em>hi</em></p>\n]');
  });
});

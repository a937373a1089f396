/** HTML that is already safe to send: built by `html` or `raw`, never from unescaped input. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content and quoted attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** Markup written in this module's own source (never input). */
export const raw = (markup: string): Html => new Html(markup);

type Part = Html | string | number | null | undefined | false | readonly Part[];

const render = (part: Part): string => {
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  if (part === null || part === undefined || part === false) return '';
  return escapeHtml(String(part));
};

/** A template whose every interpolated value is escaped, unless it is Html already. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  values.forEach((value, i) => {
    out += render(value) + strings[i + 1];
  });
  return new Html(out);
}

/** A catalogue text with its `{placeholders}` filled: the text and every value escaped, Html values kept. */
export function fillHtml(template: string, values: Readonly<Record<string, string | Html>>): Html {
  return new Html(
    template
      .split(/(\{\w+\})/)
      .map((piece) => {
        const name = /^\{(\w+)\}$/.exec(piece)?.[1];
        return name !== undefined && Object.hasOwn(values, name) ? render(values[name]) : escapeHtml(piece);
      })
      .join(''),
  );
}

/** An http(s) address for href, or null: a stored link with another scheme (javascript:) is shown as text only. */
export function safeHref(uri: string): string | null {
  try {
    const url = new URL(uri);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * A minimal XML reader for the JUnit test (no XML package is installed):
 * elements, quoted attributes, text, the five predefined entities, an
 * optional declaration. Throws on anything malformed (unbalanced or
 * mismatched tags, unquoted attributes, stray '<' or '&').
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&([a-z]+);|&/g, (m, name: string | undefined) => {
    const v = name ? ENTITIES[name] : undefined;
    if (v === undefined) throw new Error(`bad entity ${m}`);
    return v;
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const src = text.replace(/^<\?xml[^?]*\?>\s*/, "");
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    const chunk = lt < 0 ? src.slice(i) : src.slice(i, lt);
    if (chunk.includes(">")) throw new Error("stray '>'");
    const top = stack[stack.length - 1];
    if (top) top.text += decode(chunk);
    else if (chunk.trim()) throw new Error("text outside the root element");
    if (lt < 0) break;
    const gt = src.indexOf(">", lt);
    if (gt < 0) throw new Error("unterminated tag");
    const tag = src.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1).trim()) throw new Error(`mismatched </${tag.slice(1)}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    const selfClosing = tag.endsWith("/");
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"<]*")*)\s*$/.exec(body);
    if (!m) throw new Error(`malformed tag <${tag}>`);
    const attrs: Record<string, string> = {};
    for (const a of (m[2] ?? "").matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g))
      attrs[a[1] as string] = decode(a[2] as string);
    const el: XmlElement = { name: m[1] as string, attrs, children: [], text: "" };
    if (stack.length === 0 && root) throw new Error("two root elements");
    stack[stack.length - 1]?.children.push(el);
    if (selfClosing) {
      if (stack.length === 0) root = el;
    } else stack.push(el);
  }
  if (stack.length > 0 || !root) throw new Error("unclosed elements");
  return root;
}

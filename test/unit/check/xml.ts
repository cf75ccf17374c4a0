/**
 * A small strict XML 1.0 well-formedness checker and reader for the JUnit tests (no XML parser
 * is a dependency): one root, balanced tags, quoted unique attributes, only the predefined and
 * numeric entities, no raw "<" or "&" in text, only characters XML allows. Returns a tree.
 */
export interface XmlElement {
  name: string
  attrs: Record<string, string>
  children: XmlElement[]
  text: string
}

const NAME = /^[A-Za-z_][\w.-]*/
const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"}
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/

function decode(s: string, where: string): string {
  if (/<|&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(s)) throw new Error(`bad character or entity in ${where}: ${JSON.stringify(s.slice(0, 60))}`)
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : ENTITIES[e],
  )
}

export function parseXml(xml: string): XmlElement {
  if (FORBIDDEN.test(xml)) throw new Error('a character XML forbids')
  for (let i = 0; i < xml.length; i++) {
    const c = xml.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const lo = xml.charCodeAt(i + 1)
      if (!(lo >= 0xdc00 && lo <= 0xdfff)) throw new Error('lone surrogate')
      i++
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new Error('lone surrogate')
  }
  let pos = 0
  const decl = /^<\?xml[^?]*\?>\s*/.exec(xml)
  if (decl) pos = decl[0].length
  const stack: XmlElement[] = []
  let root: XmlElement | undefined
  while (pos < xml.length) {
    if (xml.startsWith('</', pos)) {
      const m = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(xml.slice(pos))
      if (!m) throw new Error(`bad end tag at ${pos}`)
      const open = stack.pop()
      if (!open || open.name !== m[1]) throw new Error(`</${m[1]}> closes <${open?.name}>`)
      pos += m[0].length
    } else if (xml[pos] === '<') {
      pos++
      const name = NAME.exec(xml.slice(pos))?.[0]
      if (!name) throw new Error(`bad tag at ${pos}`)
      pos += name.length
      const el: XmlElement = {name, attrs: {}, children: [], text: ''}
      for (;;) {
        const ws = /^\s*/.exec(xml.slice(pos))![0]
        pos += ws.length
        if (xml.startsWith('/>', pos) || xml[pos] === '>') break
        if (!ws) throw new Error(`no space before an attribute of <${name}>`)
        const a = /^([A-Za-z_][\w.:-]*)="([^"]*)"/.exec(xml.slice(pos))
        if (!a) throw new Error(`bad attribute in <${name}> at ${pos}: ${xml.slice(pos, pos + 30)}`)
        if (a[1] in el.attrs) throw new Error(`duplicate attribute ${a[1]}`)
        if (/[<]/.test(a[2])) throw new Error('< in an attribute')
        el.attrs[a[1]] = decode(a[2], `attribute ${a[1]}`)
        pos += a[0].length
      }
      if (stack.length) stack[stack.length - 1].children.push(el)
      else if (root) throw new Error('two root elements')
      else root = el
      if (xml.startsWith('/>', pos)) pos += 2
      else {
        pos += 1
        stack.push(el)
      }
    } else {
      const end = xml.indexOf('<', pos)
      const raw = xml.slice(pos, end < 0 ? xml.length : end)
      if (stack.length === 0) {
        if (raw.trim()) throw new Error('text outside the root')
      } else stack[stack.length - 1].text += decode(raw, `<${stack[stack.length - 1].name}>`)
      pos = end < 0 ? xml.length : end
    }
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1].name}> not closed`)
  if (!root) throw new Error('no root element')
  return root
}

export function find(el: XmlElement, name: string): XmlElement[] {
  return [...el.children.filter((c) => c.name === name), ...el.children.flatMap((c) => find(c, name))]
}

/**
 * Words for people: one rule for counts, so no output says "1 queries" or "2 query(s)", and one
 * "did you mean" for every mistyped command, flag and key.
 */

const IRREGULAR: Readonly<Record<string, string>> = {query: 'queries', reply: 'replies', address: 'addresses', entry: 'entries', try: 'tries', proxy: 'proxies'}

/** The plural of an English noun dnsx prints ("query" → "queries", "address" → "addresses", "record" → "records"). */
export function pluralOf(word: string): string {
  return IRREGULAR[word] ?? (/(s|x|sh|ch)$/.test(word) ? `${word}es` : `${word}s`)
}

/** "1 query", "2 queries", "0 records": the number and the noun that agrees with it. */
export function count(n: number, word: string, plural = pluralOf(word)): string {
  return `${n} ${n === 1 ? word : plural}`
}

/**
 * Levenshtein distance with adjacent transpositions counted as one edit (optimal string
 * alignment), so "qeury" is one edit from "query", as a typist sees it.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({length: a.length + 1}, (_, i) => [i, ...Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1)
      d[i]![j] = v
    }
  }
  return d[a.length]![b.length]!
}

/**
 * The candidate nearest to `word` (case ignored), if it is within `max` edits (default 2, or 1
 * for words of three letters or fewer) and no other candidate is as near: "did you mean".
 */
export function closest(word: string, candidates: readonly string[], max = word.length <= 3 ? 1 : 2): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  let tie = false
  for (const c of candidates) {
    const dist = editDistance(c.toLowerCase(), word.toLowerCase())
    if (dist < bestDistance) {
      best = c
      bestDistance = dist
      tie = false
    } else if (dist === bestDistance && c !== best) tie = true
  }
  return best !== undefined && bestDistance <= max && !tie ? best : undefined
}

/**
 * A one-line status (a progress line) cut to fit a terminal of `columns`: one column is kept free,
 * so the cursor never wraps and `\r` rewrites the same line; "…" marks the cut. Without a width
 * (not a terminal) the line is left whole.
 */
export function fitLine(text: string, columns: number | undefined): string {
  if (!columns || columns < 2) return text
  const room = columns - 1
  const chars = [...text]
  return chars.length <= room ? text : `${chars.slice(0, room - 1).join('')}…`
}

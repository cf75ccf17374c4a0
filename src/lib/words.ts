/** Words for people: one rule for counts, so no output says "1 queries" or "2 query(s)". */

const IRREGULAR: Readonly<Record<string, string>> = {query: 'queries', reply: 'replies', address: 'addresses', entry: 'entries', try: 'tries', proxy: 'proxies'}

/** The plural of an English noun dnsx prints ("query" → "queries", "address" → "addresses", "record" → "records"). */
export function pluralOf(word: string): string {
  return IRREGULAR[word] ?? (/(s|x|sh|ch)$/.test(word) ? `${word}es` : `${word}s`)
}

/** "1 query", "2 queries", "0 records": the number and the noun that agrees with it. */
export function count(n: number, word: string, plural = pluralOf(word)): string {
  return `${n} ${n === 1 ? word : plural}`
}

declare module 'dns-packet/types.js' {
  const types: {toType(name: string): number, toString(code: number): string}
  export default types
}
declare module 'dns-packet/rcodes.js' {
  const rcodes: {toRcode(name: string): number, toString(code: number): string}
  export default rcodes
}

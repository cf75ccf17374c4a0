import {describe, expect, it} from 'vitest'
import {flagHint} from '../../../src/lib/cli/base.js'
import {flagSpellings, helpArgv, nearestFlag, unknownCommandMessage} from '../../../src/lib/cli/discovery.js'
import {closest, editDistance} from '../../../src/lib/words.js'

const IDS = ['anycast-probe', 'autocomplete', 'check', 'ecs', 'lab', 'lab:serve', 'query', 'race', 'trace']

describe('help as a command', () => {
  it('dnsx help [COMMAND...] is COMMAND... --help; anything else is left alone', () => {
    expect(helpArgv(['help'])).toEqual(['--help'])
    expect(helpArgv(['help', 'trace'])).toEqual(['trace', '--help'])
    expect(helpArgv(['help', 'lab', 'serve'])).toEqual(['lab', 'serve', '--help'])
    expect(helpArgv(['help', 'query', '--help'])).toEqual(['query', '--help'])
    expect(helpArgv(['query', 'help'])).toEqual(['query', 'help'])
  })
})

describe('did you mean', () => {
  it('edit distance counts a transposition as one edit (qeury is one from query)', () => {
    expect(editDistance('qeury', 'query')).toBe(1)
    expect(editDistance('trcae', 'trace')).toBe(1)
    expect(editDistance('norecurs', 'norecurse')).toBe(1)
    expect(editDistance('', 'abc')).toBe(3)
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('closest: the one nearest candidate within reach; none on a tie or too far', () => {
    expect(closest('qeury', IDS)).toBe('query')
    expect(closest('QUERY', IDS)).toBe('query')
    expect(closest('frobnicate', IDS)).toBeUndefined()
    expect(closest('ab', ['ac', 'ad'])).toBeUndefined()
    // Short words get one edit, not two: "q" is not "ecs".
    expect(closest('ec', IDS)).toBe('ecs')
    expect(closest('q', IDS)).toBeUndefined()
  })

  it('an unknown command names what was typed, and the nearest command (topics included)', () => {
    expect(unknownCommandMessage(['qeury', 'x', '--lab'], IDS)).toBe('unknown command "qeury"; did you mean "query"? (see dnsx --help)')
    expect(unknownCommandMessage(['lab', 'serv'], IDS)).toBe('unknown command "lab serv"; did you mean "lab serve"? (see dnsx --help)')
    expect(unknownCommandMessage(['frobnicate'], IDS)).toBe('unknown command "frobnicate" (see dnsx --help)')
    expect(unknownCommandMessage(['qeury'], [])).toBe('unknown command "qeury" (see dnsx --help)')
  })

  it('an unknown flag gets the nearest of the command\'s own flags, --no- forms included', () => {
    const spellings = flagSpellings([{name: 'norecurse'}, {name: 'nsid'}, {name: 'answer-cache', allowNo: true}, {name: 'timeout', char: 't'}])
    expect(spellings).toEqual(['--norecurse', '--nsid', '--answer-cache', '--no-answer-cache', '--timeout', '-t'])
    expect(nearestFlag('--norecurs', spellings)).toBe('--norecurse')
    expect(nearestFlag('--no-answer-cach', spellings)).toBe('--no-answer-cache')
    expect(nearestFlag('--timeuot=5', spellings)).toBe('--timeout')
    expect(nearestFlag('--zzz', spellings)).toBeUndefined()
    expect(flagHint('unknown flag --dnsec (see --help)', {dnssec: {}, qmin: {}})).toBe('unknown flag --dnsec; did you mean --dnssec? (see --help)')
    expect(flagHint('unknown flag --jsn (see --help)', {})).toBe('unknown flag --jsn; did you mean --json? (see --help)')
    expect(flagHint('missing required argument NAME', {name: {}})).toBe('missing required argument NAME')
  })
})

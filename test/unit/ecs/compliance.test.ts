import {describe, expect, it} from 'vitest'
import {checkEcsCompliance, scopeMeaning} from '../../../src/lib/ecs/compliance.js'

const sent = {family: 1 as const, address: '192.0.2.0', sourcePrefix: 24}

describe('checkEcsCompliance', () => {
  it('reports not-sent for a baseline query without ECS in the reply', () => {
    expect(checkEcsCompliance(null, null)).toEqual({
      ecs: 'not-sent',
      scopeMeaning: null,
      scope: null,
      mismatches: [],
      unsolicited: false,
      problems: [],
    })
  })

  it('flags an unsolicited ECS option', () => {
    const c = checkEcsCompliance(null, {family: 1, address: '192.0.2.0', sourcePrefix: 24, scopePrefix: 24})
    expect(c.ecs).toBe('not-sent')
    expect(c.unsolicited).toBe(true)
    expect(c.scope).toBe(24)
    expect(c.problems[0]).toMatch(/although the query had none/)
  })

  it('reports absent when the reply has no ECS', () => {
    expect(checkEcsCompliance(sent, null)).toMatchObject({ecs: 'absent', scopeMeaning: null, scope: null, mismatches: []})
  })

  it.each([
    [0, 'global'],
    [16, 'wider'],
    [24, 'exact'],
    [28, 'narrower'],
  ] as const)('echo with scope %i is %s', (scope, meaning) => {
    const c = checkEcsCompliance(sent, {family: 1, address: '192.0.2.0', sourcePrefix: 24, scopePrefix: scope})
    expect(c).toMatchObject({ecs: 'echoed', scopeMeaning: meaning, scope, mismatches: [], problems: []})
  })

  it('compares IPv6 addresses by value, not text', () => {
    const c = checkEcsCompliance(
      {family: 2, address: '2001:db8:1200::', sourcePrefix: 56},
      {family: 2, address: '2001:0db8:1200:0:0::', sourcePrefix: 56, scopePrefix: 48},
    )
    expect(c.ecs).toBe('echoed')
    expect(c.scopeMeaning).toBe('wider')
  })

  it('details every mismatched field', () => {
    const c = checkEcsCompliance(sent, {family: 1, address: '192.0.3.0', sourcePrefix: 22, scopePrefix: 22})
    expect(c.ecs).toBe('mismatch')
    expect(c.mismatches).toEqual([
      {field: 'sourcePrefix', sent: 24, received: 22},
      {field: 'address', sent: '192.0.2.0', received: '192.0.3.0'},
    ])
    // Scope is interpreted against what was sent.
    expect(c.scopeMeaning).toBe('wider')
  })

  it('reports a family mismatch without comparing addresses across families', () => {
    const c = checkEcsCompliance(sent, {family: 2, address: '::', sourcePrefix: 24, scopePrefix: 0})
    expect(c.ecs).toBe('mismatch')
    expect(c.mismatches).toEqual([{field: 'family', sent: 1, received: 2}])
    expect(c.scopeMeaning).toBe('global')
  })

  it('notes impossible scope lengths', () => {
    const c = checkEcsCompliance(sent, {family: 1, address: '192.0.2.0', sourcePrefix: 24, scopePrefix: 40})
    expect(c.ecs).toBe('echoed')
    expect(c.scopeMeaning).toBe('narrower')
    expect(c.problems).toEqual(['reply scope /40 is longer than an IPv4 address'])
  })

  it('treats the /0 opt-out echo as exact/global', () => {
    const c = checkEcsCompliance({family: 1, address: '0.0.0.0', sourcePrefix: 0}, {family: 1, address: '0.0.0.0', sourcePrefix: 0, scopePrefix: 0})
    expect(c).toMatchObject({ecs: 'echoed', scopeMeaning: 'global'})
  })
})

describe('scopeMeaning', () => {
  it('classifies scope against source', () => {
    expect(scopeMeaning(56, 0)).toBe('global')
    expect(scopeMeaning(56, 48)).toBe('wider')
    expect(scopeMeaning(56, 56)).toBe('exact')
    expect(scopeMeaning(56, 64)).toBe('narrower')
  })
})

import {describe, expect, it} from 'vitest'
import {junitXml, xmlEscape} from '../../../src/lib/check/junit.js'
import type {CheckResult} from '../../../src/lib/check/run.js'
import {summarize} from '../../../src/lib/check/run.js'
import {find, parseXml} from './xml.js'

const pass: CheckResult = {
  name: 'www resolves', command: 'trace', args: ['www.example.test'], argv: ['trace', 'www.example.test', '--lab', '--expect-authoritative', '--json'],
  outcome: 'pass', exit: 0, durationMs: 812, expectations: [{expectation: 'authoritative', ok: true, expected: 'AA', actual: 'authoritative'}], failures: [], stderr: '',
}
const fail: CheckResult = {
  name: 'answer <& "quoted"> \'it\'', command: 'query', args: ['x'], argv: ['query', 'x', '--expect-answer=192.0.2.99', '--json'],
  outcome: 'fail', exit: 1, durationMs: 1500,
  expectations: [
    {expectation: 'answer=192.0.2.99', ok: false, expected: '192.0.2.99 in the answer', actual: '192.0.2.80'},
    {expectation: 'rcode=NOERROR', ok: false, expected: 'NOERROR', actual: 'NXDOMAIN & <more>'},
  ],
  failures: ['FAIL answer=192.0.2.99: expected 192.0.2.99 in the answer, got 192.0.2.80', 'FAIL rcode=NOERROR: expected NOERROR, got NXDOMAIN & <more>'],
  stderr: 'FAIL answer=192.0.2.99: expected 192.0.2.99 in the answer, got 192.0.2.80\nFAIL rcode=NOERROR: expected NOERROR, got NXDOMAIN & <more>',
}
const error: CheckResult = {
  name: 'dead server \u0001 bell \u0007 and 😀 and lone \ud800 surrogate', command: 'query', args: ['www.example.test', '@192.0.2.42'], argv: ['query', 'www.example.test', '@192.0.2.42', "--subnet=it's", '--json'],
  outcome: 'error', exit: 3, durationMs: 4000, expectations: [], failures: [],
  error: {code: 'no-reply', message: 'no reply from 192.0.2.42 in 2000 ms ]]> <![CDATA['},
  stderr: '',
}

function xml(results: CheckResult[]) {
  return junitXml({suite: 'checks & more.yaml', results, summary: summarize(results, 6400), timestamp: '2025-01-02T03:04:05.678Z', hostname: 'ci-runner'})
}

describe('JUnit writer', () => {
  it('writes well-formed XML with counts on testsuites and testsuite', () => {
    const text = xml([pass, fail, error])
    expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true)
    const root = parseXml(text)
    expect(root.name).toBe('testsuites')
    expect(root.attrs).toMatchObject({name: 'dnsx check', tests: '3', failures: '1', errors: '1', skipped: '0', time: '6.400'})
    const [suite] = find(root, 'testsuite')
    expect(suite.attrs).toMatchObject({name: 'checks & more.yaml', tests: '3', failures: '1', errors: '1', timestamp: '2025-01-02T03:04:05Z', hostname: 'ci-runner'})
    const cases = find(suite, 'testcase')
    expect(cases.map((c) => c.attrs.classname)).toEqual(['dnsx.trace', 'dnsx.query', 'dnsx.query'])
    expect(cases.map((c) => c.attrs.time)).toEqual(['0.812', '1.500', '4.000'])
  })

  it('a passing check has no failure or error, and its command line in system-out', () => {
    const c = find(parseXml(xml([pass])), 'testcase')[0]
    expect(c.attrs.name).toBe('www resolves')
    expect(find(c, 'failure')).toEqual([])
    expect(find(c, 'error')).toEqual([])
    expect(find(c, 'system-out')[0].text).toBe('dnsx trace www.example.test --lab --expect-authoritative --json')
    expect(find(c, 'system-err')).toEqual([])
  })

  it('an unmet expectation is a <failure> with the FAIL lines, escaped', () => {
    const text = xml([fail])
    const c = find(parseXml(text), 'testcase')[0]
    expect(c.attrs.name).toBe('answer <& "quoted"> \'it\'')
    const [f] = find(c, 'failure')
    expect(f.attrs.type).toBe('expectation')
    expect(f.attrs.message).toBe('2 expectations failed: ' + fail.failures.join('; '))
    expect(f.text).toBe(fail.failures.join('\n'))
    expect(find(c, 'system-err')[0].text).toBe(fail.stderr)
    expect(find(c, 'error')).toEqual([])
    // Raw markup never leaks through.
    expect(text).not.toContain('<more>')
    expect(text).toContain('NXDOMAIN &amp; &lt;more&gt;')
  })

  it('a single failure is the message itself', () => {
    const one = {...fail, failures: [fail.failures[0]]}
    const [f] = find(parseXml(xml([one])), 'failure')
    expect(f.attrs.message).toBe(fail.failures[0])
  })

  it('a check that could not run is an <error>; forbidden characters are replaced, astral ones kept', () => {
    const text = xml([error])
    const c = find(parseXml(text), 'testcase')[0]
    expect(c.attrs.name).toBe('dead server \ufffd bell \ufffd and 😀 and lone \ufffd surrogate')
    const [e] = find(c, 'error')
    expect(e.attrs).toMatchObject({type: 'no-reply', message: 'no reply from 192.0.2.42 in 2000 ms ]]> <![CDATA['})
    expect(e.text).toBe(error.error!.message)
    expect(find(c, 'failure')).toEqual([])
    expect(find(c, 'system-out')[0].text).toBe("dnsx query www.example.test @192.0.2.42 '--subnet=it'\\''s' --json")
  })

  it('keeps line breaks and tabs in attributes as character references', () => {
    expect(xmlEscape('a\nb\tc\rd', true)).toBe('a&#10;b&#9;c&#13;d')
    expect(xmlEscape('a\nb\tc', false)).toBe('a\nb\tc')
    expect(xmlEscape(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&apos;')
    expect(xmlEscape('\u0000\u001f\ufffe\uffff')).toBe('\ufffd\ufffd\ufffd\ufffd')
    const multi = {...fail, failures: ['FAIL a: expected\nb, got c'], expectations: []}
    const [f] = find(parseXml(xml([multi])), 'failure')
    expect(f.attrs.message).toBe('FAIL a: expected\nb, got c')
  })

  it('an empty run is still a valid document', () => {
    const root = parseXml(xml([]))
    expect(root.attrs.tests).toBe('0')
    expect(find(root, 'testcase')).toEqual([])
  })
})

/**
 * What must hold for every input, however hostile: the decoder either returns a message or
 * throws its own MalformedMessageError for a reason it anticipated; a decoded message is no
 * bigger than its octets allow, survives re-encoding unchanged, renders, and classifies; the
 * client's acceptor never throws and accepts only what decodes and answers our question; and the
 * client itself never throws and never hands back a reply that does not decode.
 */
import {DnsClient, makeAcceptor} from '../../src/lib/dns/client.js'
import {decodeMessage, decodePacket, encodePacket, makeQuestion, MalformedMessageError, questionMatches, type DnsMessage, type Question} from '../../src/lib/dns/message.js'
import {parentName} from '../../src/lib/dns/names.js'
import type {Endpoint} from '../../src/lib/dns/transport.js'
import {formatRecord} from '../../src/lib/dns/zonefile.js'
import {classifyResponse} from '../../src/lib/trace/classify.js'
import {ScriptedTransport} from '../helpers/scripted-transport.js'

export interface Target {id: number, question: Question}

/** The ID and question a seed answers (a questionless seed is taken as an answer to example.test A). */
export function targetOf(seed: Buffer): Target {
  const m = decodeMessage(seed)
  const q = m.questions[0]
  return {id: m.id, question: q ? makeQuestion(q.name, q.type, q.class) : makeQuestion('example.test', 'A')}
}

const SERVER: Endpoint = {address: '192.0.2.61', port: 53}
const describeError = (e: unknown) => e instanceof Error ? `${e.name}: ${e.message}` : String(e)

function records(m: DnsMessage): string[] {
  return [...m.questions.map((q) => `Q ${q.name} ${q.class} ${q.type}`), ...[...m.answers, ...m.authorities, ...m.additionals].map((rr) => formatRecord(rr))]
}

/** Check one input synchronously: a failure's description, or null. */
export function checkDecode(wire: Buffer, target: Target): string | null {
  let msg: DnsMessage | null = null
  try {
    msg = decodeMessage(wire)
  } catch (e) {
    if (!(e instanceof MalformedMessageError)) return `decodeMessage threw ${describeError(e)}`
    if (e.cause !== undefined) return `decodeMessage met an unanticipated ${describeError(e.cause)}`
  }
  let packetOk = true
  try {
    decodePacket(wire)
  } catch (e) {
    if (!(e instanceof MalformedMessageError)) return `decodePacket threw ${describeError(e)}`
    packetOk = false
  }
  if (packetOk !== (msg !== null)) return `decodePacket ${packetOk ? 'accepted' : 'refused'} what decodeMessage ${msg ? 'accepted' : 'refused'}`

  if (msg) {
    const n = msg.answers.length + msg.authorities.length + msg.additionals.length + (msg.edns ? 1 : 0)
    if (12 + 5 * msg.questions.length + 11 * n > wire.length) return `${wire.length} octets decoded into ${msg.questions.length} questions and ${n} records`
    let shown: string[]
    try {
      shown = records(msg)
    } catch (e) {
      return `formatRecord threw ${describeError(e)}`
    }
    // Re-encoding what was accepted must give it back: nothing accepted is lost or invented.
    try {
      const again = decodeMessage(encodePacket({id: msg.id, type: 'response', questions: msg.questions, answers: msg.answers, authorities: msg.authorities, additionals: msg.additionals}))
      const back = records(again)
      if (back.join('\n') !== shown.join('\n')) return `re-encoding changed the records:\n${shown.join('\n')}\n---\n${back.join('\n')}`
    } catch (e) {
      return `re-encoding an accepted message failed: ${describeError(e)}`
    }
    try {
      const q = msg.questions[0] ?? target.question
      classifyResponse(msg, parentName(q.name), q.name, q.type)
      classifyResponse(msg, null, target.question.name, target.question.type)
    } catch (e) {
      return `classifyResponse threw ${describeError(e)}`
    }
  }

  let verdict: true | string
  try {
    verdict = makeAcceptor(target.id, target.question)({data: wire, from: SERVER})
  } catch (e) {
    return `the acceptor threw ${describeError(e)}`
  }
  if (verdict === true) {
    if (!msg) return 'the acceptor accepted a message the decoder refuses'
    if (msg.id !== target.id || !msg.flags.qr || msg.opcode !== 'QUERY') return 'the acceptor accepted a reply with the wrong ID, QR or opcode'
    if (msg.questions.length > 0 && !questionMatches(msg, target.question)) return 'the acceptor accepted a reply to another question'
  } else if (typeof verdict !== 'string' || verdict.length === 0) {
    return `the acceptor gave verdict ${JSON.stringify(verdict)}`
  }
  return null
}

/**
 * Run the whole client against a server that answers every query with this input (its ID and,
 * when it has one, its question patched to the query's, so that it reaches the decoder).
 */
export async function checkClient(wire: Buffer, target: Target): Promise<string | null> {
  const t = new ScriptedTransport((q) => {
    const out = Buffer.from(wire)
    if (out.length >= 2) out.writeUInt16BE(q.id, 0)
    return [out]
  })
  try {
    const ex = await new DnsClient({transport: t}).exchange({server: SERVER, question: target.question, timeoutMs: 1000, retries: 1})
    if (ex.message) {
      if (!ex.wire.reply) return 'the client returned a message without its wire form'
      try {
        decodeMessage(Buffer.from(ex.wire.reply, 'hex'))
      } catch (e) {
        return `the client returned a reply that does not decode: ${describeError(e)}`
      }
    } else if (!ex.error) return 'the client returned neither a message nor an error'
  } catch (e) {
    return `the client threw ${describeError(e)}`
  }
  return null
}

// A strict check of a subscription's FQL, before the run, in words a person can act on. The parser actions-core's
// subscriptions use is lenient: it takes `type = "track" and` (a condition missing), `type == "track"` (compared with
// "="), or `a and b or c` (read as all or), and its own errors read like JavaScript's. This accepts what Segment's
// subscriptions are written in: conditions on type, event, name, userId, properties.*, traits.* and context.*,
// contains() and match(), `!`, and/or, and parentheses.

type Token =
  | { kind: 'string' | 'number' | 'word' | 'op' | 'punct'; text: string; at: number }
  | { kind: 'end'; text: ''; at: number }

const ROOTS = ['type', 'event', 'name', 'userId', 'properties', 'traits', 'context']
const NESTED = new Set(['properties', 'traits', 'context'])
const OPERATORS = new Set(['=', '!=', '<', '>', '<=', '>='])
const FUNCTIONS = new Set(['contains', 'match'])

export class FqlError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FqlError'
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  const pattern = /\s*(?:("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_$][\w$-]*(?:\.[\w$-]+)*)|(!=|<=|>=|==|=|<|>|!)|([(),]))/y // prettier-ignore
  let at = 0
  while (at < text.length) {
    pattern.lastIndex = at
    const match = pattern.exec(text)
    if (!match) {
      if (/^\s*$/.test(text.slice(at))) break
      const position = at + (/^\s*/.exec(text.slice(at))?.[0].length ?? 0)
      if (text[position] === '"') throw new FqlError(`the text value starting at character ${position + 1} is not closed with "`) // prettier-ignore
      const hint = text[position] === '&' ? ' (write "and")' : text[position] === '|' ? ' (write "or")' : ''
      throw new FqlError(`unexpected "${text[position]}" at character ${position + 1}${hint}`)
    }
    const start = match.index + match[0].length - (match[1] ?? match[2] ?? match[3] ?? match[4] ?? match[5]).length
    const [, string, number, word, op] = match
    const kind = string ? 'string' : number ? 'number' : word ? 'word' : op ? 'op' : 'punct'
    tokens.push({ kind, text: string ?? number ?? word ?? op ?? match[5], at: start } as Token)
    at = pattern.lastIndex
  }
  tokens.push({ kind: 'end', text: '', at: text.length })
  return tokens
}

class Parser {
  private index = 0
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index]
  }

  private next(): Token {
    return this.tokens[Math.min(this.index++, this.tokens.length - 1)]
  }

  private expect(text: string, what: string) {
    const token = this.next()
    if (token.text !== text) throw new FqlError(`${what}, found ${describe(token)}`)
  }

  whole() {
    this.expression()
    const rest = this.peek()
    if (rest.kind !== 'end') {
      throw new FqlError(rest.text === ')' ? 'a ")" has no "(" before it' : `expected "and", "or" or the end, found ${describe(rest)}`) // prettier-ignore
    }
  }

  private expression() {
    this.term()
    let joiner: string | undefined
    while (this.peek().kind === 'word' && (this.peek().text === 'and' || this.peek().text === 'or')) {
      const word = this.next().text
      if (joiner !== undefined && word !== joiner) {
        throw new FqlError(`"and" and "or" are mixed without parentheses: write (a and b) or c, or a and (b or c)`)
      }
      joiner = word
      const after = this.peek()
      if (after.kind === 'end' || after.text === ')' || after.text === 'and' || after.text === 'or') throw new FqlError(`"${word}" must be followed by a condition`) // prettier-ignore
      this.term()
    }
  }

  private term() {
    const token = this.next()
    if (token.text === '(') {
      if (this.peek().text === ')') throw new FqlError('empty parentheses "()"')
      this.expression()
      const close = this.next()
      if (close.text !== ')') throw new FqlError(`a "(" is not closed with ")" (found ${describe(close)})`)
    } else if (token.text === '!') {
      const name = this.next()
      if (!FUNCTIONS.has(name.text)) throw new FqlError(`"!" must be followed by contains(…) or match(…), found ${describe(name)}`) // prettier-ignore
      this.call(name.text)
    } else if (token.kind === 'word' && FUNCTIONS.has(token.text)) {
      this.call(token.text)
    } else if (token.kind === 'word') {
      this.condition(token.text)
    } else {
      throw new FqlError(`expected a condition such as type = "track", found ${describe(token)}`)
    }
  }

  private call(name: string) {
    this.expect('(', `${name} must be followed by "("`)
    const field = this.next()
    if (field.kind !== 'word') throw new FqlError(`${name}(…) takes a field first, found ${describe(field)}`)
    checkField(field.text)
    this.expect(',', `${name}(${field.text} …) needs "," between its field and its value`)
    const value = this.next()
    if (value.kind !== 'string') throw new FqlError(`${name}(${field.text}, …) takes a text value in double quotes, found ${describe(value)}`) // prettier-ignore
    this.expect(')', `${name}(${field.text}, ${value.text} …) is not closed with ")"`)
  }

  private condition(field: string) {
    checkField(field)
    const op = this.next()
    if (op.text === '==') throw new FqlError(`compare with "=", not "==" (${field} = …)`)
    if (op.kind !== 'op' || !OPERATORS.has(op.text)) {
      throw new FqlError(`${field} must be followed by =, !=, <, >, <= or >=, found ${describe(op)}`)
    }
    const value = this.next()
    if (
      value.kind === 'end' ||
      value.kind === 'op' ||
      value.kind === 'punct' ||
      value.text === 'and' ||
      value.text === 'or'
    ) {
      // prettier-ignore
      throw new FqlError(`${field} ${op.text} needs a value after it (for example ${field} ${op.text} "text"), found ${describe(value)}`) // prettier-ignore
    }
  }
}

function checkField(field: string) {
  const [root, ...rest] = field.split('.')
  if (!ROOTS.includes(root)) {
    const hint = ROOTS.find((name) => name.toLowerCase() === root.toLowerCase() || (root.length > 2 && name.startsWith(root))) // prettier-ignore
    throw new FqlError(`unknown field "${field}": a condition is on type, event, name, userId, properties.<name>, traits.<name> or context.<name>${hint ? ` (did you mean "${[hint, ...rest].join('.')}"?)` : ''}`) // prettier-ignore
  }
  if (rest.length > 0 && !NESTED.has(root)) throw new FqlError(`"${root}" has no fields, so "${field}" means nothing`)
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end' : `"${token.text}" at character ${token.at + 1}`
}

/** Throws FqlError with what is wrong, in words, when `text` is not an FQL subscription Segment would run. */
export function checkFql(text: string) {
  if (text.trim() === '') throw new FqlError('it is empty')
  new Parser(tokenize(text)).whole()
}

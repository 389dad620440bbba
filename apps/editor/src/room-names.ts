/**
 * Readable random room names like `brave-otter-42`: easy to say aloud and to type from a
 * phone, and valid room names (letters, digits, dashes). About 200 000 combinations: rooms are
 * private by obscurity only when auth is off, so anyone who must keep a room secret uses tokens.
 */

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosy', 'crisp', 'curious', 'daring',
  'eager', 'fair', 'fancy', 'gentle', 'glad', 'golden', 'happy', 'hazel', 'honest', 'jolly',
  'keen', 'kind', 'lively', 'lucky', 'merry', 'mighty', 'misty', 'noble', 'patient', 'plucky',
  'polite', 'proud', 'quick', 'quiet', 'rapid', 'rosy', 'shiny', 'silver', 'sleepy', 'smart',
  'snowy', 'sunny', 'swift', 'tidy', 'trusty', 'vivid', 'warm', 'wild', 'wise', 'witty',
]

const ANIMALS = [
  'badger', 'bear', 'beaver', 'bison', 'crane', 'crow', 'deer', 'dolphin', 'eagle', 'falcon',
  'ferret', 'finch', 'fox', 'gecko', 'goose', 'hare', 'hawk', 'hedgehog', 'heron', 'ibis',
  'koala', 'lark', 'lemur', 'lion', 'lynx', 'marten', 'mole', 'moose', 'newt', 'orca',
  'otter', 'owl', 'panda', 'pelican', 'puffin', 'quail', 'raven', 'robin', 'seal', 'sparrow',
  'stork', 'swan', 'tapir', 'tiger', 'toucan', 'turtle', 'walrus', 'whale', 'wolf', 'wren',
]

/** An integer in [0, n) from the browser's CSPRNG. */
function pick(n: number): number {
  const [value] = crypto.getRandomValues(new Uint32Array(1))
  return value! % n
}

export function randomRoomName(): string {
  return `${ADJECTIVES[pick(ADJECTIVES.length)]}-${ANIMALS[pick(ANIMALS.length)]}-${10 + pick(90)}`
}

/** A friendly default display name: `Curious Otter`. */
export function randomDisplayName(): string {
  const title = (word: string) => word[0]!.toUpperCase() + word.slice(1)
  return `${title(ADJECTIVES[pick(ADJECTIVES.length)]!)} ${title(ANIMALS[pick(ANIMALS.length)]!)}`
}

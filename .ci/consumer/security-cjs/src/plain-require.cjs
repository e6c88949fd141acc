// Plain CommonJS, no TypeScript: what a JavaScript user writes.
const { fbiSecurity, scopesPresent } = require('@fbi/security')
const fbiErrors = require('@fbi/errors').default
const { mintHsToken } = require('@fbi/security/testing')

if (typeof fbiSecurity !== 'function' || typeof scopesPresent !== 'function')
  throw new TypeError('@fbi/security')
if (typeof fbiErrors !== 'function' || typeof mintHsToken !== 'function') throw new TypeError('@fbi/errors')
console.log('consumer ok: plain require')

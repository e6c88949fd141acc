export const placeholder = 'db'

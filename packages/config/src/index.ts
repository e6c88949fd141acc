export const placeholder = 'config'

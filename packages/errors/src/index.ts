export const placeholder = 'errors'

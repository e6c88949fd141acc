export const placeholder = 'all'

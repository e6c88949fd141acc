export const placeholder = 'security'

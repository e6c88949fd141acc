export const placeholder = 'monitoring'

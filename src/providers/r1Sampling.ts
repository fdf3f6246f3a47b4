/** R1's sampling guidance (temperature 0.6, top-p 0.95), the default for local models and non-DeepSeek servers. */
export const R1_SAMPLING = { temperature: 0.6, topP: 0.95 } as const;

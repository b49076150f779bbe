import path from 'path'

/** The destination this package builds; the tools take another folder as their first argument. */
export const DEFAULT_DESTINATION_DIR = path.join(__dirname, '..', 'destinations', 'woopra')

// A destination folder whose entry point fails to load, for the tools' error reporting tests.
throw new Error('this destination cannot be loaded')

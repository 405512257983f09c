/** Vite bundles the console's stylesheet; TypeScript only needs to know the import exists. */
declare module '*.css';

// eslint on static/js (our modules; static/vendor holds third-party bundles). Run by `make lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["static/vendor/**", "node_modules/**", ".venv/**", "instance/**"] },
  js.configs.recommended,
  {
    files: ["static/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: {
        ...globals.browser,
        io: "readonly", // socket.io client, loaded by a <script> tag before the modules
      },
    },
  },
];

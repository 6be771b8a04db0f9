"""The browser client and server-side view builders."""

"""Integrations with the world outside the database: mail servers, SMS providers, the PBX,
bank files. Each is a module of its own behind a small interface; services call them, the UI
never talks to a socket."""

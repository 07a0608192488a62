"""The application's shell: first-start wizard, login, main window, sections, navigation."""

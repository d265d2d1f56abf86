"""What a step the portal does not take raises: one base for every domain module's refusal."""


class Refused(Exception):
    """A step that is not taken; ``messages`` say why and what to do, in the user's language."""

    def __init__(self, *messages):
        super().__init__(*messages)
        self.messages = [str(message) for message in messages]

    def __str__(self):
        return " ".join(self.messages)

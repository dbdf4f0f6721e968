"""The course site (make site): the lessons executed and rendered as static pages."""

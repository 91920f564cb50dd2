{#-
    Generic data test: every row satisfies `expression` (a SQL boolean over the
    model's columns); a row where it is false fails, a row where it is null
    passes (the rule does not apply). Used for identities such as
    "invoice total = lines + tax + charges - allowances".
-#}
{% test expression_holds(model, expression) %}

    select *
    from {{ model }}
    where not ({{ expression }})

{% endtest %}

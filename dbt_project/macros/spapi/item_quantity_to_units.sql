{#-
    Convert an Amazon ItemQuantity JSON object to eaches. Amazon states a
    quantity either in Eaches or in Cases of unitSize eaches; the unit is
    compared case-insensitively because Amazon's own examples also send "CASES".
    A quantity in cases without a case size is unknown (null), never a guess.
-#}
{% macro item_quantity_to_units(item_quantity) -%}
    case
        when upper({{ item_quantity }} ->> 'unitOfMeasure') = 'CASES'
            then
                cast({{ item_quantity }} ->> 'amount' as integer)
                * cast({{ item_quantity }} ->> 'unitSize' as integer)
        else cast({{ item_quantity }} ->> 'amount' as integer)
    end
{%- endmacro %}
